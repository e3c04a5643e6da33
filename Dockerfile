# ResAttn Studio: the Streamlit studio on a slim Python 3.11 image (CPU-only torch).
#   docker build -t resattn-studio .
#   docker run --rm -p 8501:8501 resattn-studio      → http://localhost:8501
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# Graphviz renders the Diagram tab's graph and the .svg download; curl serves the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz curl \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 studio
WORKDIR /app

# torch first, from the CPU wheel index, so nothing pulls a multi-GB CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# requirements.txt ends with `-e .` (the project itself): copy the sources before installing.
COPY --chown=studio:studio pyproject.toml README.md requirements.txt ./
COPY --chown=studio:studio schemas/ schemas/
COPY --chown=studio:studio resattn/ resattn/
COPY --chown=studio:studio resattn_board/ resattn_board/
RUN pip install -r requirements.txt

COPY --chown=studio:studio app.py studio.py ./
COPY --chown=studio:studio components/ components/
# The Learn tab in Turkish quotes the user's notebook by section.
COPY --chown=studio:studio docs/notes.tr.md docs/
COPY --chown=studio:studio .streamlit/ .streamlit/

USER studio
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent http://127.0.0.1:8501/_stcore/health || exit 1

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.headless=true"]
