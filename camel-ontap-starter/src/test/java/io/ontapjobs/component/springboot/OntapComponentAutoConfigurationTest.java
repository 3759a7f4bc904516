package io.ontapjobs.component.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.component.OntapOperation;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.InMemoryOperationRepository;
import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.simulator.OntapSimulator;
import java.time.Duration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code camel.component.ontap.*} as Spring Boot properties reach the {@code ontap} component Camel Spring Boot
 * creates, and the cluster its endpoints define; {@code enabled} and {@code customizer.enabled} turn that off.
 */
class OntapComponentAutoConfigurationTest {

    /** The application: Camel Spring Boot and this starter, found as Spring Boot finds them (AutoConfiguration.imports). */
    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CamelAutoConfiguration.class, OntapComponentConverter.class,
                    OntapComponentAutoConfiguration.class))
            .withPropertyValues("camel.main.run-controller=false");

    @Test
    void optionsReachTheComponentAndDefineTheCluster() {
        runner.withPropertyValues(
                "camel.component.ontap.url=https://cluster1.example.com",
                "camel.component.ontap.username=automation",
                "camel.component.ontap.password=s3cret",
                // Spring's relaxed names: kebab case (canonical) and camel case alike
                "camel.component.ontap.max-concurrent-requests=5",
                "camel.component.ontap.requestTimeout=45s",
                "camel.component.ontap.unreachable-after=2m",
                "camel.component.ontap.operation=trigger",
                "camel.component.ontap.user-agent=my-app/1.0",
                "camel.component.ontap.query.return_records=false").run(context -> {
            assertThat(context).hasSingleBean(OntapComponentAutoConfiguration.class);
            OntapComponent ontap = context.getBean(CamelContext.class).getComponent("ontap", OntapComponent.class);

            var options = ontap.getConfiguration();
            assertThat(options.getUrl()).isEqualTo("https://cluster1.example.com");
            assertThat(options.getUsername()).isEqualTo("automation");
            assertThat(options.getPassword()).isEqualTo("s3cret");
            assertThat(options.getMaxConcurrentRequests()).isEqualTo(5);
            assertThat(options.getRequestTimeout()).as("a Camel duration, in ms").isEqualTo(45_000);
            assertThat(options.getUnreachableAfter()).isEqualTo(120_000);
            assertThat(options.getOperation()).isEqualTo(OntapOperation.trigger);
            assertThat(options.getQuery()).containsEntry("return_records", "false");
            assertThat(ontap.getUserAgent()).isEqualTo("my-app/1.0");

            // an endpoint with none of its own connection options defines its cluster from the component's
            context.getBean(CamelContext.class).getEndpoint("ontap:default");
            ClusterConfig cluster = ontap.clusterConfig("default");
            assertThat(cluster.url().toString()).isEqualTo("https://cluster1.example.com");
            assertThat(cluster.username()).isEqualTo("automation");
            assertThat(cluster.password()).isEqualTo("s3cret");
            assertThat(cluster.maxConcurrentRequests()).isEqualTo(5);
            assertThat(cluster.requestTimeout()).isEqualTo(Duration.ofSeconds(45));
            assertThat(cluster.unreachableAfter()).isEqualTo(Duration.ofMinutes(2));
        });
    }

    @Test
    void unsetOptionsKeepTheComponentsDefaults() {
        runner.run(context -> {
            OntapComponent ontap = context.getBean(CamelContext.class).getComponent("ontap", OntapComponent.class);
            assertThat(ontap.getConfiguration().getUrl()).isNull();
            assertThat(ontap.getConfiguration().getUsername()).isEqualTo("admin");
            assertThat(ontap.getConfiguration().getMaxConcurrentRequests()).isEqualTo(2);
            assertThat(ontap.getConfiguration().getRequestTimeout()).isEqualTo(30_000);
            assertThat(ontap.getConfiguration().getQuery()).isEmpty();
            assertThat(ontap.getUserAgent()).isNull();
            // no cluster defined: the component reads no ontap.clusters.* of its own (ClusterConfig beans define more)
            assertThat(ontap.hasClusters()).isFalse();
        });
    }

    @Test
    void enabledFalseLeavesTheComponentAsCamelFindsIt() {
        for (String off : new String[] {"camel.component.ontap.enabled=false", "camel.component.enabled=false"}) {
            runner.withPropertyValues(off, "camel.component.ontap.url=https://cluster1.example.com",
                    "camel.component.ontap.max-concurrent-requests=5").run(context -> {
                assertThat(context).as(off).doesNotHaveBean(OntapComponentAutoConfiguration.class);
                assertThat(context).as(off).doesNotHaveBean(OntapComponentConfiguration.class);
                OntapComponent ontap = context.getBean(CamelContext.class).getComponent("ontap", OntapComponent.class);
                assertThat(ontap).as("the component itself is still there (Camel finds it on the class path)").isNotNull();
                assertThat(ontap.getConfiguration().getUrl()).as(off).isNull();
                assertThat(ontap.getConfiguration().getMaxConcurrentRequests()).as(off).isEqualTo(2);
            });
        }
    }

    @Test
    void customizerDisabledBindsThePropertiesButDoesNotApplyThem() {
        runner.withPropertyValues("camel.component.ontap.customizer.enabled=false",
                "camel.component.ontap.url=https://cluster1.example.com").run(context -> {
            assertThat(context.getBean(OntapComponentConfiguration.class).getUrl()).isEqualTo("https://cluster1.example.com");
            OntapComponent ontap = context.getBean(CamelContext.class).getComponent("ontap", OntapComponent.class);
            assertThat(ontap.getConfiguration().getUrl()).isNull();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoRepositories {
        @Bean
        OperationRepository first() {
            return new InMemoryOperationRepository();
        }

        @Bean
        OperationRepository second() {
            return new InMemoryOperationRepository();
        }
    }

    @Test
    void anObjectOptionTakesABeanReference() {
        // two repositories: autowiring (one bean of the type) cannot choose, the reference does
        runner.withUserConfiguration(TwoRepositories.class)
                .withPropertyValues("camel.component.ontap.operation-repository=#bean:second").run(context -> {
            OntapComponent ontap = context.getBean(CamelContext.class).getComponent("ontap", OntapComponent.class);
            assertThat(ontap.getOperationRepository()).isSameAs(context.getBean("second"));
        });
    }

    @Test
    void aRouteRunsAnOperationOnTheClusterTheOptionsDefine() {
        try (OntapSimulator sim = OntapSimulator.builder().port(0).username("automation").password("s3cret").build().start()) {
            runner.withPropertyValues("camel.component.ontap.url=" + sim.baseUrl(),
                    "camel.component.ontap.username=automation",
                    "camel.component.ontap.password=s3cret").run(context -> {
                Exchange done = context.getBean(CamelContext.class).createProducerTemplate().request(
                        "ontap:default?method=POST&path=/api/storage/volumes&timeout=30s",
                        e -> e.getIn().setBody("{\"name\": \"vol_starter\"}"));

                assertThat(done.getException()).isNull();
                assertThat(done.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
                assertThat(sim.records("/api/storage/volumes"))
                        .anySatisfy(v -> assertThat(v.get("name").asText()).isEqualTo("vol_starter"));
                // the user name and password came from camel.component.ontap.* (the simulator refuses others)
                assertThat(sim.stats().unauthorized()).isZero();
            });
        }
    }
}
