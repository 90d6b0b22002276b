# The zhili image: one console script, Tesseract with Simplified Chinese, CJK fonts.
FROM python:3.11-slim-bookworm

RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk poppler-utils qpdf ghostscript \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY zhili ./zhili
COPY events ./events
COPY domain ./domain
COPY ocr ./ocr
COPY ingest ./ingest
COPY projections ./projections
COPY relay ./relay
COPY synth ./synth
RUN pip install --no-cache-dir .

# Tesseract gets one thread per process: parallelism comes from --jobs and more workers.
ENV OMP_THREAD_LIMIT=1 PYTHONUNBUFFERED=1
ENTRYPOINT ["zhili"]
CMD ["--help"]
