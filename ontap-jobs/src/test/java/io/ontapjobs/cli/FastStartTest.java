package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FastStartTest {

    @Test
    void theArchiveLivesNextToTheJar() {
        assertThat(FastStart.archiveOf(Path.of("target", "ontap-jobs.jar"))).isEqualTo(Path.of("target", "ontap-jobs.jsa"));
    }

    @Test
    void outsideAJarRunRunsInThisJvm() {
        // the tests load the classes from target/classes: no jar, no archive, no second JVM
        assertThat(FastStart.relaunch()).isEmpty();
    }

    @Test
    void theArchivesJvmIsNamedByItsHomeAndVersion() {
        assertThat(FastStart.vm()).contains(System.getProperty("java.home")).contains(System.getProperty("java.vm.version"));
    }
}
