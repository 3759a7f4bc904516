package io.ontapjobs.component.springboot;

import io.ontapjobs.component.OntapConfiguration;
import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.operation.OperationRepository;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.context.ApplicationContext;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;
import org.springframework.lang.Nullable;

/**
 * The object options of {@code camel.component.ontap.*} ({@code configuration}, {@code metrics},
 * {@code operationRepository}) given as a reference to a bean, {@code #bean:name}, as Camel writes references. (Both
 * {@code metrics} and {@code operationRepository} are autowired anyway: the single bean of that type is used when the
 * property is not set.)
 */
@AutoConfiguration
@ConfigurationPropertiesBinding
public class OntapComponentConverter implements GenericConverter {
    /** The types of the component's object options; {@code StarterMatchesCatalogTest} keeps it complete. */
    static final Set<Class<?>> TYPES = Set.of(OntapConfiguration.class, OntapMetrics.class, OperationRepository.class,
            EventBookmarks.class);
    static final String PREFIX = "#bean:";

    @Autowired
    private ApplicationContext applicationContext;

    @Override
    public Set<ConvertiblePair> getConvertibleTypes() {
        return TYPES.stream().map(type -> new ConvertiblePair(String.class, type)).collect(Collectors.toSet());
    }

    @Override
    @Nullable
    public Object convert(@Nullable Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
        if (source == null) {
            return null;
        }
        String ref = source.toString();
        if (!ref.startsWith(PREFIX)) {
            return null; // not a reference: Spring says it cannot convert it, naming the property
        }
        return applicationContext.getBean(ref.substring(PREFIX.length()), targetType.getType());
    }
}
