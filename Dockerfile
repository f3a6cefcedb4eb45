# syntax=docker/dockerfile:1
# One image for api, relay and consumer (compose picks the command). The services run compiled:
# `npm run build` (tsc) in a build stage, and the image holds only dist/ and production dependencies,
# started with plain `node` (no tsx, no TypeScript at run time).

FROM node:24-slim AS base
WORKDIR /app

# Production dependencies only: the dev tools (vitest, mongodb-memory-server, typescript, tsx) stay out.
FROM base AS deps
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Every dependency (typescript), the sources, then `npm run build` into /app/dist.
FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY contract ./contract
COPY common ./common
# The client library: the consumer runs on it, and the API bundles it with live-page/ for /live/.
COPY client ./client
COPY live-page ./live-page
COPY api ./api
COPY relay ./relay
COPY consumer ./consumer
RUN npm run build

FROM base AS runtime
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The live page's sources and the client library's: the API bundles them with esbuild for /live/.
COPY --from=build /app/client ./client
COPY --from=build /app/live-page ./live-page
# The consumer keeps its position here (a volume in compose) so a restart resumes where it stopped.
RUN mkdir -p /var/lib/consumer && chown node:node /var/lib/consumer
# The code stays root-owned and read-only to the process that runs it.
USER node
EXPOSE 8000 8765
# Plain `node` is one process that gets the signals itself (no wrapper to relay them).
CMD ["node", "dist/api/main.js"]
