package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes/ holds together: its parts refer to each other, the Role grants what the replicas ask of the
 * Kubernetes API, the probes hit the service's health paths, every ONTAP_* variable sets a documented key, and the
 * service, given the pod's environment, accepts the configuration (`validate`, in a process of its own). Each check
 * is shown to catch its mistake on a changed copy.
 */
class KubernetesManifestsTest {
    @TempDir
    Path tmp;

    @Test
    void theShippedManifestsHoldTogether() throws Exception {
        KubernetesManifests shipped = KubernetesManifests.read(KubernetesManifests.DIR);

        assertThat(shipped.problems()).isEmpty();
    }

    @Test
    void aServiceAccountOrRoleNamedWrongIsCaught() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);
        m.deployment().getSpec().getTemplate().getSpec().setServiceAccountName("default");
        m.binding().getRoleRef().setName("ontap-jobs-lease");

        assertThat(m.problems()).containsExactly(
                "deployment.yaml: serviceAccountName default is not serviceaccount.yaml's ontap-jobs",
                "rolebinding.yaml: refers to Role ontap-jobs-lease, not role.yaml's Role ontap-jobs-leases");
    }

    @Test
    void aRoleWithoutThePodsOrTheLeaseUpdatesIsCaught() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);
        m.role().getRules().get(0).setVerbs(List.of("get", "list", "watch", "create"));
        m.role().getRules().remove(1);

        assertThat(m.problems()).containsExactlyInAnyOrder("role.yaml: does not allow update on coordination.k8s.io/leases",
                "role.yaml: does not allow get on /pods", "role.yaml: does not allow list on /pods");
    }

    @Test
    void podsWithoutTheLabelsTheLeasesLookForAreCaught() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);
        m.config().getData().put("ONTAP_HA_KUBERNETES_POD_LABELS", "app=ontap-jobs");

        assertThat(m.problems()).containsExactly(
                "deployment.yaml: the pods lack the label app=ontap-jobs (ontap.ha.kubernetes.pod-labels)");
    }

    @Test
    void aProbeOffTheHealthPathsAndAMissingSecretKeyAreCaught() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);
        m.container().getReadinessProbe().getHttpGet().setPath("/health");
        m.secret().getStringData().remove("broker-password");

        assertThat(m.problems()).containsExactly(
                "deployment.yaml: readinessProbe is not GET /observe/health/ready on the API port http",
                "deployment.yaml: ONTAP_BROKER_PASSWORD refers to key broker-password of Secret ontap-jobs, which"
                        + " secret.example.yaml does not have");
    }

    @Test
    void aMisspelledSettingIsCaught() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);
        m.config().getData().put("ONTAP_HA_LEASE_DURATON", "15s");
        m.container().getEnv().add(new EnvVar("ONTAP_HA_REPLICA", "x", null));

        assertThat(m.problems()).containsExactly("ONTAP_HA_LEASE_DURATON: no documented ontap.* key is set by this variable",
                "ONTAP_HA_REPLICA: no documented ontap.* key is set by this variable");
    }

    @Test
    void theServiceAcceptsThePodsEnvironment() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);

        Validated v = validate(m.environment("ontap-jobs-5d8f7c-x2x9q", "ontap"));

        assertThat(v.code()).as(v.err()).isZero();
        assertThat(v.out()).startsWith("ok: ");
    }

    @Test
    void theServiceRefusesAPodEnvironmentItCouldNotRunWith() throws Exception {
        KubernetesManifests m = KubernetesManifests.read(KubernetesManifests.DIR);
        m.config().getData().put("ONTAP_HA_RENEW_INTERVAL", "15s");

        Validated v = validate(m.environment("ontap-jobs-5d8f7c-x2x9q", "ontap"));

        assertThat(v.code()).isEqualTo(2);
        assertThat(v.err().lines()).as("its one line, after the JVM's note of JAVA_TOOL_OPTIONS").containsExactly(
                "Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75", "ontap-jobs: ontap.ha.renew-interval: 15s is too long for ontap.ha.lease-duration"
                + " 15s (at most a little over half of it: the owner must renew more than once per lease)");
    }

    record Validated(int code, String out, String err) {
    }

    /** `validate` in a process whose environment is the pod's (and nothing ONTAP_* of this one's), at the top of the repository. */
    private Validated validate(Map<String, String> podEnvironment) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.ontapjobs.cli.Main", "validate"));
        File out = tmp.resolve("out.txt").toFile();
        File err = tmp.resolve("err.txt").toFile();
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out).redirectError(err);
        pb.environment().keySet().removeIf(k -> k.startsWith("ONTAP_"));
        podEnvironment.forEach((k, v) -> pb.environment().put(k, v));
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("validate ended").isTrue();
        return new Validated(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    }
}
