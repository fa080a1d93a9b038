import { prepare, runCli } from '../bootstrap.js'

runCli(async () => {
  const { database, migrated } = await prepare('npm run db:migrate')
  await database.close()
  console.log(migrated.length === 0 ? 'Database schema is up to date.' : `Applied: ${migrated.join(', ')}`)
})
