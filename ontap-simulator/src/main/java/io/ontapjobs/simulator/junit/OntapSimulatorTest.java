package io.ontapjobs.simulator.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test class against an in-process {@link io.ontapjobs.simulator.OntapSimulator} on a free port.
 * Test methods and constructors may declare an {@code OntapSimulator} parameter (to script scenarios and faults,
 * read stats) and/or a {@link SimulatorEndpoint} (url, username, password).
 *
 * <p>By default one simulator serves the whole class; before each test its scenarios and faults are reset to the
 * ones of {@link #scenarios()} and its stats to zero, so tests do not see each other's rules. Records created in
 * collections are kept. {@code perMethod = true} gives each test method a fresh simulator instead.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(OntapSimulatorExtension.class)
public @interface OntapSimulatorTest {
    /** Basic-auth user the simulator accepts. */
    String username() default "admin";

    /** Basic-auth password the simulator accepts. */
    String password() default "netapp1!";

    /** Classpath resource of a scenario file (YAML, see {@code ScenarioFile}); empty: none. */
    String scenarios() default "";

    /** How long finished jobs are kept (e.g. {@code 2s}); shorter than ONTAP's 300 s makes "job vanished" quick to test. */
    String retention() default "300s";

    /** A fresh simulator per test method instead of one per class. */
    boolean perMethod() default false;

    /**
     * Sets the system properties {@code camel.component.ontap.url}, {@code .username} and {@code .password} to the
     * simulator's while it runs (and restores the previous values after): the {@code ontap} component's options, which
     * define cluster {@code default}. Camel Main and Spring Boot apply system properties over the application's
     * properties files, so the simulator wins over a {@code camel.component.ontap.url} configured there; a
     * {@code default} cluster defined another way too (a {@code ClusterConfig} bean, {@code addCluster}, the ontap-jobs
     * service's {@code ontap.clusters.default.*}) stops the context, naming both.
     */
    boolean exposeAsClusterDefault() default false;
}
