package io.ontapjobs.component.springboot;

import io.ontapjobs.component.OntapComponent;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.apache.camel.spring.boot.ComponentConfigurationProperties;
import org.apache.camel.spring.boot.util.CamelPropertiesHelper;
import org.apache.camel.spring.boot.util.ConditionalOnCamelContextAndAutoConfigurationBeans;
import org.apache.camel.spring.boot.util.ConditionalOnHierarchicalProperties;
import org.apache.camel.spring.boot.util.HierarchicalPropertiesEvaluator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Lazy;

/**
 * Applies {@code camel.component.ontap.*} to the {@code ontap} component when Camel creates it: a
 * {@link ComponentCustomizer} copies every property of {@link OntapComponentConfiguration} that is not null onto the
 * component, through the component's own configurer (so values are converted as Camel converts them, durations
 * included). {@code camel.component.ontap.enabled=false} (or {@code camel.component.enabled=false}) turns this off;
 * {@code camel.component.ontap.customizer.enabled=false} (or {@code camel.component.customizer.enabled=false}) keeps
 * the properties but does not apply them.
 */
@AutoConfiguration(after = {CamelAutoConfiguration.class, OntapComponentConverter.class})
@Conditional(ConditionalOnCamelContextAndAutoConfigurationBeans.class)
@ConditionalOnHierarchicalProperties({"camel.component", "camel.component.ontap"})
@EnableConfigurationProperties({ComponentConfigurationProperties.class, OntapComponentConfiguration.class})
public class OntapComponentAutoConfiguration {

    @Lazy
    @Bean
    public ComponentCustomizer configureOntapComponent(CamelContext camelContext, ApplicationContext applicationContext,
            OntapComponentConfiguration configuration) {
        return new ComponentCustomizer() {
            @Override
            public void configure(String name, Component target) {
                CamelPropertiesHelper.copyProperties(camelContext, configuration, target);
            }

            @Override
            public boolean isEnabled(String name, Component target) {
                return target instanceof OntapComponent && HierarchicalPropertiesEvaluator.evaluate(applicationContext,
                        "camel.component.customizer", "camel.component.ontap.customizer");
            }
        };
    }
}
