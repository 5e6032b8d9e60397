# Build: docker build -t oktabot .
# Run:   docker run --env-file oktabot.env -v "$PWD/policy.yml:/app/policy.yml:ro" -v oktabot-data:/data oktabot
# (/data holds the embedded database; mount a volume there, or use a postgres:// URL)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/oktabot ./cmd/bot
# /data for the embedded database: the image has no shell to make it, so it
# is made here and copied owned by nonroot (65532). A fresh named volume
# mounted there takes this ownership; a bind mount must be writable by 65532.
RUN mkdir -p /out/data && chmod 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/oktabot /app/oktabot
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
ENV OKTABOT_POLICY_FILE=/app/policy.yml \
    OKTABOT_DATABASE_URL=/data/oktabot.db \
    OKTABOT_HTTP_ADDR=:8080
EXPOSE 8080
# The image has no shell or curl: the binary asks its own /healthz, which
# fails once Slack has been out of reach for OKTABOT_SLACK_UNREACHABLE_LIMIT.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/oktabot", "healthcheck"]
ENTRYPOINT ["/app/oktabot"]
