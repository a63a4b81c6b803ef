# ticklab-services: ticklab-{data,indicators,stats}-server and ticklab-health-probe, built here
# from Debian's packages, in a runtime stage that holds only the shared libraries they need.
#
#   make image            (builds ticklab-base first; context: the repository root, see .dockerignore)
#
# BASE is the debootstrap-made image (deploy/base-image.sh); CXX_APT_PACKAGES is the Makefile's
# list of C++ build dependencies (one definition). OpenBLAS is the BLAS/LAPACK here (oneMKL comes
# from a Python wheel in development builds).
ARG BASE=ticklab-base:bookworm
FROM ${BASE} AS build
ARG CXX_APT_PACKAGES
# The sonames the base already has: the runtime stage needs none of them copied.
RUN ldconfig -p | awk 'NR > 1 {print $1}' | sort -u >/base-sonames
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${CXX_APT_PACKAGES} \
      >/dev/null && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTICKLAB_BLAS=openblas -DTICKLAB_PYTHON=OFF >/build.log \
    && cmake --build /build --target ticklab-data-server ticklab-indicators-server \
         ticklab-stats-server ticklab-health-probe >>/build.log \
    || { tail -50 /build.log; exit 1; }
RUN mkdir -p /runtime/usr/local/bin \
    && cp /build/bin/ticklab-data-server /build/bin/ticklab-indicators-server \
          /build/bin/ticklab-stats-server /build/bin/ticklab-health-probe /runtime/usr/local/bin/ \
    && strip /runtime/usr/local/bin/* \
    && deploy/runtime-libs.sh /base-sonames /runtime/usr/lib/x86_64-linux-gnu /runtime/usr/local/bin/*

FROM ${BASE}
COPY --from=build /runtime/ /
COPY --from=build /usr/share/zoneinfo/ /usr/share/zoneinfo/
# Fails the build if a library was missed.
RUN ldconfig && ! ldd /usr/local/bin/* | grep 'not found'
# Any uid works (compose runs it as the owner of the data directory); not root by default.
USER 65534:65534
EXPOSE 50051 50052 50053
STOPSIGNAL SIGTERM
CMD ["ticklab-data-server", "--config", "/config/ticklab.toml"]
