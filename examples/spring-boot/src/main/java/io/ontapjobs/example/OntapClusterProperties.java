package io.ontapjobs.example;

import java.util.Properties;
import java.util.function.Predicate;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.LoadablePropertiesSource;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;

/**
 * Lists the Spring Environment's {@code ontap.*} keys to Camel's properties.
 *
 * <p>camel-ontap learns which clusters exist by listing the {@code ontap.clusters.<name>.*} keys of Camel's
 * properties, then reads each key's value. In Spring Boot, Camel resolves a key through the Spring Environment
 * (application.properties, {@code --key=value}, {@code -D}, the environment, a test's {@code @DynamicPropertySource})
 * but cannot list the Environment's keys, so a cluster set only there is not found ("unknown cluster 'default'").
 * This source lists them; the values still come from the Environment, with Spring's precedence.
 */
@Configuration(proxyBeanMethods = false)
public class OntapClusterProperties {
    static final String PREFIX = "ontap.";

    @Bean
    CamelContextConfiguration ontapPropertiesFromSpring(ConfigurableEnvironment environment) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camel) {
                camel.getPropertiesComponent().addPropertiesSource(new Source(environment));
            }

            @Override
            public void afterApplicationStart(CamelContext camel) {
            }
        };
    }

    /** The Environment's keys under {@code ontap.}, each with the value the Environment resolves for it. */
    static final class Source implements LoadablePropertiesSource {
        private final ConfigurableEnvironment environment;

        Source(ConfigurableEnvironment environment) {
            this.environment = environment;
        }

        @Override
        public String getName() {
            return "spring-environment-ontap";
        }

        @Override
        public String getProperty(String key) {
            return key.startsWith(PREFIX) ? environment.getProperty(key) : null;
        }

        @Override
        public Properties loadProperties() {
            return loadProperties(k -> true);
        }

        @Override
        public Properties loadProperties(Predicate<String> filter) {
            Properties found = new Properties();
            for (var source : environment.getPropertySources()) {
                if (source instanceof EnumerablePropertySource<?> enumerable) {
                    for (String key : enumerable.getPropertyNames()) {
                        if (key.startsWith(PREFIX) && filter.test(key) && !found.containsKey(key)) {
                            String value = environment.getProperty(key);
                            if (value != null) {
                                found.setProperty(key, value);
                            }
                        }
                    }
                }
            }
            return found;
        }

        @Override
        public void reloadProperties(String location) {
            // nothing cached: every call reads the Environment
        }
    }
}
