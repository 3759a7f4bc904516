package io.ontapjobs.ha;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The manifests of {@code deploy/kubernetes/} read as Kubernetes reads them (fabric8's model), and what must agree
 * between them and with the service: names that refer to each other, the permissions camel-kubernetes' Lease-based
 * cluster service uses, the pod labels it looks for, probes on the service's health paths, and settings the service
 * knows. {@link #problems()} lists each disagreement as one sentence.
 */
record KubernetesManifests(List<String> kustomized, Deployment deployment, ServiceAccount account, Role role,
                           RoleBinding binding, ConfigMap config, Secret secret, Service service, PodDisruptionBudget budget) {
    static final Path DIR = Path.of("deploy/kubernetes");
    /** What the replicas ask of the Kubernetes API (KubernetesLeaseClusterServiceTest records it): resource, verbs. */
    static final Map<String, Set<String>> NEEDED = Map.of("coordination.k8s.io/leases", Set.of("get", "create", "update"),
            "/pods", Set.of("get", "list"));

    static KubernetesManifests read(Path dir) throws IOException {
        KubernetesSerialization yaml = new KubernetesSerialization();
        Map<?, ?> kustomization = new ObjectMapper(new YAMLFactory()).readValue(dir.resolve("kustomization.yaml").toFile(), Map.class);
        List<String> resources = new ArrayList<>();
        for (Object r : (List<?>) kustomization.get("resources")) {
            resources.add(String.valueOf(r));
        }
        return new KubernetesManifests(resources,
                read(yaml, dir, "deployment.yaml", Deployment.class), read(yaml, dir, "serviceaccount.yaml", ServiceAccount.class),
                read(yaml, dir, "role.yaml", Role.class), read(yaml, dir, "rolebinding.yaml", RoleBinding.class),
                read(yaml, dir, "configmap.yaml", ConfigMap.class), read(yaml, dir, "secret.example.yaml", Secret.class),
                read(yaml, dir, "service.yaml", Service.class), read(yaml, dir, "poddisruptionbudget.yaml", PodDisruptionBudget.class));
    }

    private static <T> T read(KubernetesSerialization yaml, Path dir, String file, Class<T> type) throws IOException {
        try (InputStream in = Files.newInputStream(dir.resolve(file))) {
            return yaml.unmarshal(in, type);
        }
    }

    Container container() {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    Map<String, String> podLabels() {
        return deployment.getSpec().getTemplate().getMetadata().getLabels();
    }

    /** Whether the Role lets its holder do {@code verb} on {@code resource} ("group/plural", "" for the core group). */
    static boolean allows(Role role, String resource, String verb) {
        String group = resource.substring(0, resource.indexOf('/'));
        String plural = resource.substring(resource.indexOf('/') + 1);
        for (PolicyRule rule : role.getRules()) {
            if (rule.getApiGroups().contains(group) && rule.getResources().contains(plural)
                    && (rule.getVerbs().contains(verb) || rule.getVerbs().contains("*"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The environment a replica's container gets: the ConfigMap's data, then the container's own variables, with the
     * Secret's values for its references and the given pod name and namespace for the downward API's.
     */
    Map<String, String> environment(String podName, String namespace) {
        Map<String, String> env = new LinkedHashMap<>(config.getData());
        for (EnvVar v : container().getEnv()) {
            if (v.getValueFrom() == null) {
                env.put(v.getName(), v.getValue());
            } else if (v.getValueFrom().getSecretKeyRef() != null) {
                env.put(v.getName(), secret.getStringData().get(v.getValueFrom().getSecretKeyRef().getKey()));
            } else if (v.getValueFrom().getFieldRef() != null) {
                String field = v.getValueFrom().getFieldRef().getFieldPath();
                env.put(v.getName(), switch (field) {
                    case "metadata.name" -> podName;
                    case "metadata.namespace" -> namespace;
                    default -> throw new IllegalStateException(v.getName() + ": fieldRef " + field + " is not one this test can fill in");
                });
            }
        }
        return env;
    }

    /** Every disagreement, as one sentence each; empty when the manifests hold together. */
    List<String> problems() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml") && !f.equals("secret.example.yaml"))
                    .filter(f -> !kustomized.contains(f)).sorted()
                    .forEach(f -> problems.add("kustomization.yaml: " + f + " is not among its resources"));
        }
        kustomized.stream().filter(r -> !Files.isRegularFile(DIR.resolve(r)))
                .forEach(r -> problems.add("kustomization.yaml: resource " + r + " does not exist"));
        if (!Integer.valueOf(3).equals(deployment.getSpec().getReplicas())) {
            problems.add("deployment.yaml: " + deployment.getSpec().getReplicas() + " replicas, not 3");
        }
        labelsSelect("deployment.yaml", deployment.getSpec().getSelector().getMatchLabels(), problems);
        labelsSelect("service.yaml", service.getSpec().getSelector(), problems);
        labelsSelect("poddisruptionbudget.yaml", budget.getSpec().getSelector().getMatchLabels(), problems);
        // the Lease-based cluster service counts only pods with ontap.ha.kubernetes.pod-labels as candidates
        Map<String, String> env = environment("ontap-jobs-5d8f7c-x2x9q", "ontap");
        try {
            HaSettings ha = HaSettings.read(k -> java.util.Optional.ofNullable(env.get(k.toUpperCase(java.util.Locale.ROOT)
                    .replaceAll("[.-]", "_")))).orElse(null);
            if (ha == null || !ha.kind().equals("kubernetes")) {
                problems.add("configmap.yaml: ONTAP_HA_CLUSTER_SERVICE is not kubernetes");
            } else {
                ha.kubernetesLabels().forEach((k, v) -> {
                    if (!v.equals(podLabels().get(k))) {
                        problems.add("deployment.yaml: the pods lack the label " + k + "=" + v + " (ontap.ha.kubernetes.pod-labels)");
                    }
                });
            }
        } catch (IllegalArgumentException e) {
            problems.add("configmap.yaml: " + e.getMessage());
        }
        String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        if (!account.getMetadata().getName().equals(serviceAccount)) {
            problems.add("deployment.yaml: serviceAccountName " + serviceAccount + " is not serviceaccount.yaml's "
                    + account.getMetadata().getName());
        }
        if (binding.getSubjects().stream().noneMatch(s -> s.getKind().equals("ServiceAccount")
                && s.getName().equals(account.getMetadata().getName()))) {
            problems.add("rolebinding.yaml: does not bind ServiceAccount " + account.getMetadata().getName());
        }
        if (!binding.getRoleRef().getKind().equals("Role") || !binding.getRoleRef().getName().equals(role.getMetadata().getName())) {
            problems.add("rolebinding.yaml: refers to " + binding.getRoleRef().getKind() + " " + binding.getRoleRef().getName()
                    + ", not role.yaml's Role " + role.getMetadata().getName());
        }
        new TreeSet<>(NEEDED.keySet()).forEach(resource -> new TreeSet<>(NEEDED.get(resource)).forEach(verb -> {
            if (!allows(role, resource, verb)) {
                problems.add("role.yaml: does not allow " + verb + " on " + resource);
            }
        }));
        probe("readinessProbe", container().getReadinessProbe(), "/observe/health/ready", problems);
        probe("livenessProbe", container().getLivenessProbe(), "/observe/health/live", problems);
        probe("startupProbe", container().getStartupProbe(), "/observe/health/live", problems);
        String servicePort = service.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        if (!apiPortName().equals(servicePort)) {
            problems.add("service.yaml: targetPort " + servicePort + " is not the container's API port " + apiPortName());
        }
        if (container().getEnvFrom().stream().noneMatch(e -> e.getConfigMapRef() != null
                && e.getConfigMapRef().getName().equals(config.getMetadata().getName()))) {
            problems.add("deployment.yaml: the container does not read ConfigMap " + config.getMetadata().getName());
        }
        for (EnvVar v : container().getEnv()) {
            var ref = v.getValueFrom() == null ? null : v.getValueFrom().getSecretKeyRef();
            if (ref != null && (!ref.getName().equals(secret.getMetadata().getName()) || !secret.getStringData().containsKey(ref.getKey()))) {
                problems.add("deployment.yaml: " + v.getName() + " refers to key " + ref.getKey() + " of Secret " + ref.getName()
                        + ", which secret.example.yaml does not have");
            }
        }
        List<Pattern> known = documentedKeys();
        for (String name : env.keySet()) {
            if (name.startsWith("ONTAP_") && known.stream().noneMatch(p -> p.matcher(name).matches())) {
                problems.add(name + ": no documented ontap.* key is set by this variable");
            }
        }
        return problems;
    }

    private String apiPortName() {
        String port = config.getData().getOrDefault("ONTAP_API_PORT", "8080");
        return container().getPorts().stream().filter(p -> String.valueOf(p.getContainerPort()).equals(port))
                .map(p -> p.getName()).findFirst().orElse("(no container port " + port + ")");
    }

    private void labelsSelect(String file, Map<String, String> selector, List<String> problems) {
        selector.forEach((k, v) -> {
            if (!v.equals(podLabels().get(k))) {
                problems.add(file + ": its selector " + k + "=" + v + " does not select the Deployment's pods");
            }
        });
    }

    private void probe(String name, Probe probe, String path, List<String> problems) {
        HTTPGetAction get = probe == null ? null : probe.getHttpGet();
        if (get == null || !path.equals(get.getPath()) || !apiPortName().equals(get.getPort().getStrVal())) {
            problems.add("deployment.yaml: " + name + " is not GET " + path + " on the API port " + apiPortName());
        }
    }

    /**
     * The ontap.* keys the README and docs/ document, as the environment variables that set them (Camel's properties
     * read {@code ontap.ha.lease-duration} from {@code ONTAP_HA_LEASE_DURATION}); {@code `key` / `.sibling`} documents
     * both, {@code <name>} stands for any name.
     */
    static List<Pattern> documentedKeys() throws IOException {
        StringBuilder text = new StringBuilder(Files.readString(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            for (Path doc : docs.filter(d -> d.toString().endsWith(".md")).toList()) {
                text.append('\n').append(Files.readString(doc));
            }
        }
        List<Pattern> keys = new ArrayList<>();
        Matcher m = Pattern.compile("`(ontap\\.[a-z0-9.<>_-]+[a-z0-9>])`((?:\\s*/\\s*`\\.[a-z0-9-]+`)*)").matcher(text);
        while (m.find()) {
            keys.add(asEnvironment(m.group(1)));
            Matcher sibling = Pattern.compile("`\\.([a-z0-9-]+)`").matcher(m.group(2));
            while (sibling.find()) {
                keys.add(asEnvironment(m.group(1).substring(0, m.group(1).lastIndexOf('.') + 1) + sibling.group(1)));
            }
        }
        return keys;
    }

    private static Pattern asEnvironment(String key) {
        StringBuilder regex = new StringBuilder();
        for (String part : key.split("(?=<)|(?<=>)")) {
            regex.append(part.startsWith("<") ? "[A-Z0-9_]+" : Pattern.quote(part.toUpperCase(java.util.Locale.ROOT).replaceAll("[.-]", "_")));
        }
        return Pattern.compile(regex.toString());
    }
}
