# Production image: the same commands docker-compose runs are exercised by CI
# (tests/test_deploy_commands.py: collectstatic with the manifest, gunicorn, celery beat/worker).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml requirements.lock ./
# Only the runtime dependencies, at the versions pinned in the lock file.
RUN pip install -c requirements.lock .

COPY . .
RUN DEBUG=0 STATIC_MANIFEST=1 SECRET_KEY=build-only-not-secret \
    python manage.py collectstatic --no-input \
 && useradd --system --create-home --uid 10001 app \
 && mkdir -p /app/media /app/private-media \
 && chown -R app /app/media /app/private-media

USER app
EXPOSE 8000
CMD ["gunicorn", "bookingtjeneste.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--timeout", "30", "--access-logfile", "-"]
