# The returnpath run task server (README "HCP Terraform run task"):
#   docker build --build-arg VERSION=v0.1.0 -t returnpath .
#   docker run --rm -p 8080:8080 -e RETURNPATH_HMAC_KEY returnpath

# Build a static binary with the Go version of go.mod.
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/returnpath-dev/returnpath/cli.version=${VERSION}" \
      -o /out/returnpath .

# No shell, no package manager, CA certificates for HTTPS to HCP Terraform,
# and a non-root user (65532).
FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/returnpath /usr/local/bin/returnpath
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/returnpath"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--log-format", "json"]
