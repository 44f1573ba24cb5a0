FROM debian:12-slim
COPY --from=remit:0.2.0 /remit /remit
ENTRYPOINT ["/remit", "--"]
