# llm-emulator as a CI service container: every option is an LLM_EMULATOR_* variable
# (`llm-emulator serve --help` names each one).
FROM python:3.12.8-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LLM_EMULATOR_HOST=0.0.0.0 \
    LLM_EMULATOR_PORT=8080 \
    LLM_EMULATOR_PORT_FILE=/tmp/llm-emulator.port

RUN useradd --create-home --uid 10001 emulator
WORKDIR /app

# Dependencies first, pinned (requirements/serve.txt, from pyproject.toml by uv): a
# change to the code rebuilds only the layers below.
COPY requirements/serve.txt ./requirements/serve.txt
RUN pip install --no-cache-dir -r requirements/serve.txt

COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY schemas ./schemas
COPY fixtures ./fixtures
RUN pip install --no-cache-dir --no-deps . && rm -rf /root/.cache

# Scenario files: mount a folder here and set LLM_EMULATOR_FIXTURES=/fixtures.
RUN mkdir /fixtures && chown emulator /fixtures

USER emulator
EXPOSE 8080
# The check imports no part of the server (standard library only) and asks the port
# the server wrote to $LLM_EMULATOR_PORT_FILE, so it follows --port and LLM_EMULATOR_PORT.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
    CMD ["llm-emulator", "healthcheck"]
STOPSIGNAL SIGTERM
CMD ["llm-emulator", "serve"]
