# ---- build: compile TypeScript to dist/ ------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script runs the build, which needs the
# sources copied below; the build is run explicitly afterwards.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build
# The guide (docs/), served at /aide/ from dist/aide/.
RUN npm run docs:build

# ---- runtime ---------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# Program YAML files are read at runtime from src/program/data (relative to the project root).
COPY src/program/data ./src/program/data
# Browser scripts served as /assets/*.js.
COPY public ./public
# Attestation texts, layout, fonts and signature: organizers adapt them without touching src/.
COPY reports ./reports
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
