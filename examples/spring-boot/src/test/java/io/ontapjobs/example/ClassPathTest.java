package io.ontapjobs.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The proof that camel-ontap is a library: this application's class path (camel-ontap and its starter, Camel Spring Boot, and
 * ontap-simulator for the tests) holds no part of the ontap-jobs service, nor the database, migrations, broker or
 * command line the service brings.
 */
class ClassPathTest {

    @Test
    void noPartOfTheServiceIsOnTheClassPath() {
        List<String> found = new ArrayList<>();
        for (String name : List.of(
                "io.ontapjobs.store.OperationStore",
                "io.ontapjobs.cli.Main",
                "io.ontapjobs.service.OntapJobsConfiguration",
                "org.h2.Driver",
                "org.flywaydb.core.Flyway",
                "org.apache.activemq.artemis.core.server.ActiveMQServer",
                "picocli.CommandLine")) {
            try {
                Class.forName(name, false, ClassPathTest.class.getClassLoader());
                found.add(name);
            } catch (ClassNotFoundException expected) {
                // not there: as it should be
            }
        }
        assertThat(found).as("classes of the service (or of what it brings) on the example's class path").isEmpty();
    }

    @Test
    void theComponentAndTheSimulatorAre() {
        // the check above is only worth something if this class path is the one the application runs on
        assertThatCode(() -> Class.forName("io.ontapjobs.component.OntapComponent")).doesNotThrowAnyException();
        assertThatCode(() -> Class.forName("io.ontapjobs.simulator.OntapSimulator")).doesNotThrowAnyException();
        assertThatCode(() -> Class.forName("org.apache.camel.spring.boot.CamelAutoConfiguration")).doesNotThrowAnyException();
        assertThatCode(() -> Class.forName("io.ontapjobs.component.springboot.OntapComponentAutoConfiguration"))
                .doesNotThrowAnyException();
    }
}
