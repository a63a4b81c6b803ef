# ticklab-services: ticklab-{data,indicators,stats}-server and ticklab-health-probe, built here
# from Debian's packages. The runtime stage is the ticklab-python image (its venv holds numpy and
# the ticklab package) plus the servers, the shared libraries they need and the ticklab.core
# module built beside them: the indicators server's embedded Python host runs the Python
# indicator kinds of a config's [python] plugins (services/python/python_host.h).
#
#   make image            (builds ticklab-base and ticklab-python first; context: the repository
#                          root, see .dockerignore)
#
# BASE is the debootstrap-made image (deploy/base-image.sh); PYTHON_IMAGE the gateway's image
# (deploy/python.Dockerfile); CXX_APT_PACKAGES is the Makefile's list of C++ build dependencies
# (one definition). pybind11 is the wheel the wheelhouse holds (deploy/wheelhouse.py: the version
# the host's build uses). OpenBLAS is the BLAS/LAPACK here (oneMKL comes from a Python wheel in
# development builds).
ARG BASE=ticklab-base:bookworm
ARG PYTHON_IMAGE=ticklab-python:latest
FROM ${BASE} AS build
ARG CXX_APT_PACKAGES
# The sonames the base already has: the runtime stage needs none of them copied.
RUN ldconfig -p | awk 'NR > 1 {print $1}' | sort -u >/base-sonames
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${CXX_APT_PACKAGES} \
      python3-dev >/dev/null && rm -rf /var/lib/apt/lists/*
COPY build/deploy/wheelhouse/pybind11-*.whl /tmp/
RUN python3 -m zipfile -e /tmp/pybind11-*.whl /opt/pybind11
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTICKLAB_BLAS=openblas \
      -DTICKLAB_PYTHON=ON -DPython_EXECUTABLE=/usr/bin/python3 -DPython3_EXECUTABLE=/usr/bin/python3 \
      -Dpybind11_DIR=/opt/pybind11/pybind11/share/cmake/pybind11 >/build.log \
    && cmake --build /build --target ticklab-data-server ticklab-indicators-server \
         ticklab-stats-server ticklab-health-probe ticklab_core_native >>/build.log \
    || { tail -50 /build.log; exit 1; }
RUN mkdir -p /runtime/usr/local/bin /runtime/core \
    && cp /build/bin/ticklab-data-server /build/bin/ticklab-indicators-server \
          /build/bin/ticklab-stats-server /build/bin/ticklab-health-probe /runtime/usr/local/bin/ \
    && cp clients/python/ticklab/core/_native*.so /runtime/core/ \
    && strip /runtime/usr/local/bin/* /runtime/core/*.so \
    && deploy/runtime-libs.sh /base-sonames /runtime/usr/lib/x86_64-linux-gnu /runtime/usr/local/bin/* \
         /runtime/core/*.so

FROM ${PYTHON_IMAGE}
USER root
COPY --from=build /runtime/usr/ /usr/
COPY --from=build /runtime/core/ /opt/ticklab/lib/python3.11/site-packages/ticklab/core/
COPY --from=build /usr/share/zoneinfo/ /usr/share/zoneinfo/
# The embedded interpreter is the venv's (its sys.path: numpy, ticklab).
ENV TICKLAB_PYTHON_EXECUTABLE=/opt/ticklab/bin/python3
# Fails the build if a library was missed, or if the Python host could not import the bindings.
RUN ldconfig && ! ldd /usr/local/bin/* /opt/ticklab/lib/python3.11/site-packages/ticklab/core/*.so \
      | grep 'not found' \
    && python3 -c "import ticklab.core.plugins, ticklab.research.trade_flow"
# Any uid works (compose runs it as the owner of the data directory); not root by default.
USER 65534:65534
EXPOSE 50051 50052 50053
STOPSIGNAL SIGTERM
CMD ["ticklab-data-server", "--config", "/config/ticklab.toml"]
