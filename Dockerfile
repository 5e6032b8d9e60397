# Build: docker build -t oktabot .
# Run:   docker run --env-file oktabot.env -v "$PWD/policy.yml:/app/policy.yml:ro" -v oktabot-data:/data oktabot
# (/data holds the embedded database; mount a volume there, or use a postgres:// URL)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/oktabot ./cmd/bot

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/oktabot /app/oktabot
USER nonroot:nonroot
ENV OKTABOT_POLICY_FILE=/app/policy.yml \
    OKTABOT_DATABASE_URL=/data/oktabot.db \
    OKTABOT_HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/app/oktabot"]
