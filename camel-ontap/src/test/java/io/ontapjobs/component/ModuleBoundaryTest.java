package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * camel-ontap is a library: an application that adds it gets Camel and Jackson, not the service's database, broker,
 * HTTP server or command line. Its tests run on its own class path, so none of these may be found there.
 */
class ModuleBoundaryTest {

    @Test
    void noServicePartIsOnTheComponentsClassPath() {
        List<String> forbidden = List.of(
                "org.h2.Driver", "org.postgresql.Driver", "com.zaxxer.hikari.HikariDataSource", "org.flywaydb.core.Flyway",
                "org.apache.activemq.artemis.core.server.ActiveMQServer", "jakarta.jms.ConnectionFactory",
                "io.vertx.core.Vertx", "picocli.CommandLine",
                "io.ontapjobs.store.OperationStore", "io.ontapjobs.cli.Main", "io.ontapjobs.service.OntapJobsConfiguration");
        for (String name : forbidden) {
            assertThat(present(name)).as(name + " on camel-ontap's class path").isFalse();
        }
        assertThat(present("org.apache.camel.support.DefaultComponent")).isTrue();
    }

    private static boolean present(String name) {
        try {
            Class.forName(name, false, ModuleBoundaryTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
