FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SDGPILOT_VAR_DIR=/app/var
# gettext for the catalogues; Pango and HarfBuzz for the PDF report (WeasyPrint).
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
    && DEBUG=1 python manage.py compilemessages -v0 \
    && DEBUG=1 python manage.py collectstatic --no-input -v0
RUN useradd --create-home sdgpilot && mkdir -p /app/var && chown -R sdgpilot /app/var
USER sdgpilot
EXPOSE 8000
CMD ["gunicorn", "sdgpilot.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
