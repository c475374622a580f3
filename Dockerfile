# One image for the three processes (api, media, worker); compose picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx scripts/build-workflows.ts
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
USER node
CMD ["npx", "tsx", "api/main.ts"]
