# Build: docker build -t oktabot .
# Run:   cp deploy/oktabot.env.example oktabot.env   # then fill it in
#        docker run --env-file oktabot.env -v "$PWD/policy.yml:/app/policy.yml:ro" -v oktabot-data:/data oktabot
# (/data holds the embedded database; mount a volume there, or use a postgres:// URL)
#
# Base images are pinned by digest, with the tag they were taken from beside
# it: the tag says what the image is, the digest which one it is, so that a
# rebuild is reproducible and a moved tag changes nothing until a reviewed
# commit changes the digest. To update one, get the tag's current digest (of
# the multi-platform index, not of one platform's image) and replace it:
#   docker buildx imagetools inspect golang:1.26 --format '{{json .Manifest.Digest}}'
#   crane digest gcr.io/distroless/static-debian12:nonroot
# (Renovate's and Dependabot's docker updaters keep such pins up to date.)
ARG GO_IMAGE=golang:1.26@sha256:3aff6657219a4d9c14e27fb1d8976c49c29fddb70ba835014f477e1c70636647
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/oktabot ./cmd/bot
# /data for the embedded database: the image has no shell to make it, so it
# is made here and copied owned by nonroot (65532). A fresh named volume
# mounted there takes this ownership; a bind mount must be writable by 65532.
RUN mkdir -p /out/data && chmod 0700 /out/data

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/oktabot /app/oktabot
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
# The database is the default oktabot.db in the working directory, /data:
# the image does not set OKTABOT_DATABASE_URL, so that
# OKTABOT_DATABASE_URL_FILE (a postgres:// URL from a secret) can be used
# instead without both being set.
WORKDIR /data
ENV OKTABOT_POLICY_FILE=/app/policy.yml \
    OKTABOT_HTTP_ADDR=:8080
EXPOSE 8080
# The image has no shell or curl: the binary asks its own /healthz, which
# fails once Slack has been out of reach for OKTABOT_SLACK_UNREACHABLE_LIMIT.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/oktabot", "healthcheck"]
ENTRYPOINT ["/app/oktabot"]
