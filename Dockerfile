# Build one self-contained executable, then run it as a non-root user.
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY lib ./lib
COPY plugins ./plugins
RUN deno install --frozen --entrypoint main.ts && deno task compile

FROM debian:bookworm-slim
RUN useradd --system --home-dir /var/lib/switchyard --create-home --uid 10001 switchyard
COPY --from=build /src/dist/switchyard /usr/local/bin/switchyard
USER switchyard
WORKDIR /var/lib/switchyard
EXPOSE 8000
# Mount a config at /etc/switchyard/switchyard.yaml, or pass OPENAI_API_KEY etc. for the embedded default.
ENV SWITCHYARD_CONFIG=""
ENTRYPOINT ["/usr/local/bin/switchyard"]
CMD ["--host", "0.0.0.0"]
