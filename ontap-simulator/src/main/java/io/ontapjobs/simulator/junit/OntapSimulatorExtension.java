package io.ontapjobs.simulator.junit;

import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.ScenarioFile;
import io.ontapjobs.simulator.SimDurations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Starts an {@link OntapSimulator} for a test class (or each test method) annotated with {@link OntapSimulatorTest},
 * resolves {@link OntapSimulator} and {@link SimulatorEndpoint} parameters, and closes it afterwards.
 */
public class OntapSimulatorExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver {
    // the ontap component's own options (cluster default): system properties win over an application's properties
    // files in Camel Main and Spring Boot, so the test runs against the simulator, never against the configured URL
    static final String URL_PROPERTY = "camel.component.ontap.url";
    static final String USERNAME_PROPERTY = "camel.component.ontap.username";
    static final String PASSWORD_PROPERTY = "camel.component.ontap.password";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(OntapSimulatorExtension.class);
    private static final String KEY = "simulator";

    /** One running simulator, the scenario file it replays on reset, and the system properties it replaced. */
    private static final class Running {
        final OntapSimulator sim;
        final SimulatorEndpoint endpoint;
        final ScenarioFile file;
        final Map<String, String> replaced = new LinkedHashMap<>();

        Running(OntapSimulatorTest options, ScenarioFile file) {
            this.file = file;
            OntapSimulator.Builder builder = OntapSimulator.builder().port(0)
                    .username(options.username()).password(options.password())
                    .retention(SimDurations.parse(options.retention()));
            if (file != null) {
                builder.scenarioFile(file);
            }
            this.sim = builder.build().start();
            this.endpoint = new SimulatorEndpoint(sim.baseUrl(), options.username(), options.password());
            if (options.exposeAsClusterDefault()) {
                expose(URL_PROPERTY, endpoint.url());
                expose(USERNAME_PROPERTY, endpoint.username());
                expose(PASSWORD_PROPERTY, endpoint.password());
            }
        }

        private void expose(String key, String value) {
            replaced.put(key, System.getProperty(key));
            System.setProperty(key, value);
        }

        /** Back to the annotation's rules: what one test added must not decide the next one's outcome. */
        void reset() {
            sim.clearScenarios();
            sim.clearFaults();
            if (file != null) {
                file.scenarios().forEach(sim::addScenario);
                file.faults().forEach(sim::addFault);
            }
            sim.stats().reset();
        }

        void close() {
            try {
                sim.close();
            } finally {
                replaced.forEach((key, old) -> {
                    if (old == null) {
                        System.clearProperty(key);
                    } else {
                        System.setProperty(key, old);
                    }
                });
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!options(context).perMethod()) {
            running(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Running running = running(context);
        if (!options(context).perMethod()) {
            running.reset();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (options(context).perMethod()) {
            closeIn(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeIn(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == OntapSimulator.class || type == SimulatorEndpoint.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Running running = running(context);
        return parameter.getParameter().getType() == OntapSimulator.class ? running.sim : running.endpoint;
    }

    /**
     * Constructor parameters get the test method's context, so that with {@code perMethod} the instance built for a
     * method sees that method's simulator (the default scope would hand it the class's).
     */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    /** The simulator for this context, started on first use (a constructor parameter can come before beforeEach). */
    private Running running(ExtensionContext context) {
        OntapSimulatorTest options = options(context);
        ExtensionContext owner = options.perMethod() ? context : classContext(context);
        if (options.perMethod() && owner.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("@OntapSimulatorTest(perMethod = true) has no simulator outside a test method"
                    + " (a @BeforeAll method or a PER_CLASS test instance cannot have one)");
        }
        // the key names its owner: Store.get also looks in parent stores, and a method must not take the class's
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(KEY + owner.getUniqueId(),
                k -> new Running(options, scenarioFile(options, context)), Running.class);
    }

    private void closeIn(ExtensionContext context) {
        Running running = context.getStore(NAMESPACE).remove(KEY + context.getUniqueId(), Running.class);
        if (running != null) {
            running.close();
        }
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    private static OntapSimulatorTest options(ExtensionContext context) {
        for (Optional<? extends AnnotatedElement> c = context.getTestClass(); c.isPresent();
                c = Optional.ofNullable(((Class<?>) c.get()).getEnclosingClass())) {
            Optional<OntapSimulatorTest> found = AnnotationSupport.findAnnotation(c.get(), OntapSimulatorTest.class);
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw new ExtensionConfigurationException("OntapSimulatorExtension needs @OntapSimulatorTest on the test class");
    }

    private static ScenarioFile scenarioFile(OntapSimulatorTest options, ExtensionContext context) {
        String resource = options.scenarios();
        if (resource.isEmpty()) {
            return null;
        }
        String path = resource.startsWith("/") ? resource.substring(1) : resource;
        ClassLoader loader = context.getTestClass().map(Class::getClassLoader).orElse(OntapSimulatorExtension.class.getClassLoader());
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new ExtensionConfigurationException("@OntapSimulatorTest(scenarios = \"" + resource + "\"): no such classpath resource");
            }
            return ScenarioFile.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scenario resource " + resource + ": " + e.getMessage(), e);
        }
    }
}
