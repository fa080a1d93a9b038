import type { FastifyPluginAsync } from 'fastify'
import type { PeopleService } from '../people/service.js'
import { messageRoutes } from './routes.js'
import type { MessageService } from './service.js'

export interface MessagesPluginOptions {
  services: { messageService: MessageService, people: PeopleService }
}

/** Outgoing messages: the organizers' pages and API of an event's messages, personal links sent by email. */
const messages: FastifyPluginAsync<MessagesPluginOptions> = async (app, { services }) => {
  await app.register(messageRoutes, { service: services.messageService, people: services.people })
}
export default messages
