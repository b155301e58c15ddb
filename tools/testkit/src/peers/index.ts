export * from './http-peer';
export * from './chat-peer';
export * from './embeddings-peer';
export * from './caldav-peer';
export * from './smtp-peer';
export * from './skill-context';
export * from './api-proxy';
