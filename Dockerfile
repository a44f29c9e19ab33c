# The returnpath run task server built from source (README "HCP Terraform
# run task"); releases publish ghcr.io/returnpath-dev/returnpath, built by
# GoReleaser from the release binaries with Dockerfile.release:
#   docker build --build-arg VERSION=v0.1.0 --build-arg COMMIT=$(git rev-parse HEAD) -t returnpath .
#   docker run --rm -p 8080:8080 -e RETURNPATH_HMAC_KEY returnpath

# Build a static binary (any Go from go.mod's 1.25.0 on builds it).
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=""
ARG DATE=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/returnpath-dev/returnpath/cli.version=${VERSION} -X github.com/returnpath-dev/returnpath/cli.commit=${COMMIT} -X github.com/returnpath-dev/returnpath/cli.date=${DATE}" \
      -o /out/returnpath .

# No shell, no package manager, CA certificates for HTTPS to HCP Terraform,
# and a non-root user (65532).
FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/returnpath /usr/local/bin/returnpath
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/returnpath"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--log-format", "json"]
