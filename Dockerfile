# One image for every service of the demo stack: Airflow, moto and the mocks run the repo's own entrypoints.
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1 \
    PYTHONPATH=/opt/top-items/plugins:/opt/top-items \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/top-items/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/top-items/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    SODA_CORE_TELEMETRY_ENABLED=false
WORKDIR /opt/top-items
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt && pip check
COPY . .
RUN useradd --create-home --uid 50000 airflow && mkdir -p /opt/airflow /state && chown -R airflow /opt/airflow /state
USER airflow
