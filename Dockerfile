# Multi-stage build of ontap-jobs; the same steps as the tested `mvn -B package` + `java -jar` path.
# (Docker engines are not available on the project's build machines: this file is kept in step with the README.)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# the service and the two modules it is built on (not examples/spring-boot): target/ontap-jobs.jar at the top
COPY pom.xml .
COPY camel-ontap camel-ontap
COPY ontap-simulator ontap-simulator
COPY ontap-jobs ontap-jobs
COPY examples/spring-boot/pom.xml examples/spring-boot/pom.xml
COPY config config
COPY routes routes
COPY examples/requests examples/requests
RUN mvn -B -q package -DskipTests -pl ontap-jobs -am

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app ontap
WORKDIR /app
COPY --from=build /src/target/ontap-jobs.jar /app/ontap-jobs.jar
COPY --chown=ontap config /app/config
COPY --chown=ontap routes /app/routes
RUN mkdir -p /app/inbox /app/outcomes /app/data && chown -R ontap /app/inbox /app/outcomes /app/data && chmod 700 /app/data
USER ontap
# The API and the embedded broker must listen beyond the container's loopback. `serve` refuses a non-loopback
# API address without API tokens (exit 2, naming the keys): pass at least one client's token hash and roles,
# e.g. -e ONTAP_API_TOKENS_OPS_SHA256=<hash> -e ONTAP_API_TOKENS_OPS_ROLES=submit,control,read
# (java -jar ontap-jobs.jar token ops --roles submit,control,read prints them; docs/security.md).
# Broker clients log in: set ONTAP_BROKER_PASSWORD, or read the generated login from
# /app/data/broker-credentials.properties. The login is not encrypted (plain TCP): publish 61616 only to a
# trusted network.
ENV ONTAP_API_HOST=0.0.0.0 ONTAP_BROKER_HOST=0.0.0.0
EXPOSE 8080 61616
# ready = every cluster reachable with our credentials, the store writable, the broker reachable, the outbox not backed up
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD curl -fsS http://127.0.0.1:8080/observe/health/ready || exit 1
# config/ and routes/ can be replaced by mounted volumes; inbox, outcomes and data hold the work and the state.
VOLUME ["/app/inbox", "/app/outcomes", "/app/data"]
ENTRYPOINT ["java", "-jar", "/app/ontap-jobs.jar"]
CMD ["serve"]
