# Build one self-contained executable, then run it as a non-root user.
#   docker build -t switchyard .
#   docker run -p 8000:8000 -e SWITCHYARD_API_KEY=sy-change-me -e OPENAI_API_KEY=sk-... switchyard
#   docker run -p 8000:8000 -v "$PWD/switchyard.yaml:/etc/switchyard/switchyard.yaml:ro" \
#     -v switchyard-data:/var/lib/switchyard switchyard
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY lib ./lib
COPY plugins ./plugins
RUN deno install --frozen --entrypoint main.ts && deno task compile

FROM debian:bookworm-slim
RUN useradd --system --home-dir /var/lib/switchyard --create-home --uid 10001 switchyard \
  && mkdir -p /etc/switchyard
COPY --from=build /src/dist/switchyard /usr/local/bin/switchyard
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER switchyard
# Logs (log.dir) and state (state.url: "sqlite:switchyard-state.db"), both relative to the
# working directory, land here: keep it on a volume.
WORKDIR /var/lib/switchyard
VOLUME /var/lib/switchyard
EXPOSE 8000
# On 0.0.0.0 a proxy key is required: SWITCHYARD_API_KEY for the embedded default, or
# server.api_keys in the config mounted at /etc/switchyard/switchyard.yaml.
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
