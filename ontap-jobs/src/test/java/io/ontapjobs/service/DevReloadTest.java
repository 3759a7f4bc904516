package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve --dev: a changed route file is reloaded without a restart. */
class DevReloadTest {
    @TempDir
    Path tmp;

    @Test
    void changedRouteFileIsReloaded() throws Exception {
        Path routes = Files.createDirectories(tmp.resolve("routes"));
        Files.writeString(routes.resolve("mine.yaml"), route("mine", 60000));
        try (RunningService service = RunningService.in(tmp).dev(routes)
                .property("camel.main.routes-include-pattern", "file:routes/service.yaml,file:" + routes + "/*.yaml").start()) {
            CamelContext context = service.context();
            assertThat(context.getRoute("mine").getEndpoint().getEndpointUri()).contains("period=60000");
            assertThat(context.getRoute("run-operation")).as("the service's routes run too").isNotNull();

            Files.writeString(routes.resolve("mine.yaml"), route("mine", 30000));

            // the edited route is replaced in place; the other routes (the API, the service flow) keep running
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    context.getRoute("mine").getEndpoint().getEndpointUri().contains("period=30000"));
            assertThat(context.getRoute("api-submit")).isNotNull();
        }
    }

    private static String route(String id, int period) {
        return "- route:\n    id: " + id + "\n    from:\n      uri: \"timer:" + id + "?period=" + period + "\"\n      steps:\n        - log: \"" + id + "\"\n";
    }
}
