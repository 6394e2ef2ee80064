# llm-emulator as a CI service container: every option is an LLM_EMULATOR_* variable.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LLM_EMULATOR_HOST=0.0.0.0 \
    LLM_EMULATOR_PORT=8080

RUN useradd --create-home --uid 10001 emulator
WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY schemas ./schemas
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . && rm -rf /root/.cache

# Scenario files: mount a folder here and set LLM_EMULATOR_FIXTURES=/fixtures.
RUN mkdir /fixtures && chown emulator /fixtures
VOLUME ["/fixtures"]

USER emulator
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
    CMD ["llm-emulator", "healthcheck"]
STOPSIGNAL SIGTERM
CMD ["llm-emulator", "serve"]
