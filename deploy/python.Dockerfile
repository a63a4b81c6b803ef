# ticklab-python: the gateway (`ticklab gateway`) and the trun scheduler (`trund`), in a venv made
# from a wheelhouse that `make image` downloads on the host (deploy/wheelhouse.py): the build
# installs with --no-index, so it needs no index and no compiler.
#
#   make image            (context: build/deploy/wheelhouse)
ARG BASE=ticklab-base:bookworm
FROM ${BASE} AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv \
      >/dev/null && rm -rf /var/lib/apt/lists/*
COPY . /wheels
RUN python3 -m venv /opt/ticklab \
    && /opt/ticklab/bin/pip install -q --no-index --find-links /wheels -r /wheels/requirements.txt \
    && /opt/ticklab/bin/pip install -q --no-index --no-deps /wheels/ticklab-*.whl /wheels/trun-*.whl \
    && /opt/ticklab/bin/pip uninstall -q -y pip setuptools \
    && find /opt/ticklab/lib -depth -type d -name tests -exec rm -rf {} +   # numpy's, pandas' suites

FROM ${BASE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null \
    && rm -rf /var/lib/apt/lists/* /usr/share/doc/*/changelog*
COPY --from=build /opt/ticklab/ /opt/ticklab/
ENV PATH=/opt/ticklab/bin:$PATH PYTHONUNBUFFERED=1
RUN ticklab --version && python3 -c "import trun, ticklab.gateway"
USER 65534:65534
STOPSIGNAL SIGTERM
CMD ["ticklab", "--help"]
