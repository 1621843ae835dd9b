# Image of the heartbeat-monitor app for docker-compose.yml: runs `heartbeat start` under tsx (no build step).
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so editing the source does not reinstall them. Dev dependencies (vitest,
# typescript) are not needed to run: tsx, a runtime dependency, compiles the TypeScript on load.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY sql ./sql
COPY plugins ./plugins
COPY config ./config

# The app runs unprivileged; it writes only its rotating log files (a volume in compose).
RUN mkdir -p /app/logs && chown node:node /app/logs
USER node

EXPOSE 8080
# exec form: node is PID 1 and receives SIGTERM itself, so `docker stop` triggers the graceful shutdown.
CMD ["node", "--import", "tsx", "src/cli.ts", "start"]
