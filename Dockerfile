# listaudit in a container. Build:
#
#   docker build -t listaudit .
#
# Run on the files of the current directory (outputs are created owner-only,
# so run as yourself to own them):
#
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/data" listaudit \
#       audit subscribers.csv --consent consent.csv --out-dir audit-out
#
# The first stage builds the release binary (symbols stripped by the release
# profile); the second holds only that binary and runs it as a user without
# a login, a home or root rights.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin listaudit \
    && ./target/release/listaudit --version

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 listaudit \
    && useradd --system --uid 10001 --gid listaudit --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin listaudit \
    && mkdir /data && chown listaudit:listaudit /data
COPY --from=build /src/target/release/listaudit /usr/local/bin/listaudit
USER 10001:10001
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/listaudit"]
CMD ["--help"]
