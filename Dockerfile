# One image for every service of the stack: Airflow, moto and the mocks run the repo's own entrypoints.
# Built once (the compose file's airflow-init declares `build:`; every other service names the same image).
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1 \
    PYTHONPATH=/opt/top-items/plugins:/opt/top-items \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/top-items/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/top-items/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    SODA_CORE_TELEMETRY_ENABLED=false
WORKDIR /opt/top-items
# Dependencies first, so a code change rebuilds only the last layers.
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt && pip check
# Python's sqlite3 module (the mocks keep their state with it) needs libsqlite3: the official slim image ships it,
# a minimal Debian base may not. The logs folder exists in the image so a named volume mounted there starts
# owned by the airflow user (likewise /state for the mocks and /s3 for S3's objects).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libsqlite3-0 >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 50000 airflow && mkdir -p /opt/airflow/logs /state /s3 && chown -R airflow /opt/airflow /state /s3
COPY . .
USER airflow
