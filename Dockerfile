# syntax=docker/dockerfile:1
# One image for api, relay and consumer (compose picks the command). TypeScript runs through tsx,
# a runtime dependency, so there is no build step and no compiled output to keep in sync.

FROM node:20-slim AS base
WORKDIR /app
ENV NODE_ENV=production

# Production dependencies only: the dev tools (vitest, mongodb-memory-server, typescript) stay out.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM base AS runtime
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY contract ./contract
COPY common ./common
# The client library: the consumer runs on it, and the API bundles it with live-page/ for /live/.
COPY client ./client
COPY live-page ./live-page
COPY api ./api
COPY relay ./relay
COPY consumer ./consumer
# The consumer keeps its position here (a volume in compose) so a restart resumes where it stopped.
RUN mkdir -p /var/lib/consumer && chown node:node /var/lib/consumer
# The code stays root-owned and read-only to the process that runs it.
USER node
EXPOSE 8000 8765
# `node --import tsx` is one process that gets the signals itself (no wrapper to relay them).
CMD ["node", "--import", "tsx", "api/main.ts"]
