package io.ontapjobs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A faster start for the one-shot {@code run}: an application class-data-sharing archive next to the jar
 * ({@code target/ontap-jobs.jsa}, made by the build with {@link #main}) and C1 only.
 *
 * <p>{@code java -jar} takes no JVM options from the jar, so {@code run} re-launches itself once, with the same
 * command line plus {@code -XX:SharedArchiveFile=… -XX:TieredStopAtLevel=1}, when the archive is there and was made by
 * this JVM for this jar. On a loaded 2-core machine the second JVM costs less than what it saves (docs/benchmarks.md,
 * "The one-shot command"): about 4,900 classes come mapped from the archive instead of parsed and verified from the
 * jar, and no C2 compiler thread competes with a process that lives a second. Everything else is the same process:
 * stdin, stdout and stderr are inherited (a terminal stays a terminal), the environment too, the exit code is the
 * child's, and a SIGTERM to the parent is passed on to the child, which cancels the job as before.
 *
 * <p>Not re-launched: {@code -Dontap.fast-start=false}, no archive or a stale one (other JVM, newer jar), the JVM
 * options already choosing CDS or the compiler, a command line this class cannot read back.
 */
final class FastStart {

    /** Set on the re-launched JVM, so that it runs the command itself. */
    static final String RELAUNCHED = "ontap.fast-start.child";
    /** The JVM that made the archive, next to it: an archive of another JVM would be refused (with a warning). */
    static final String VM_SUFFIX = ".vm";

    private FastStart() {
    }

    /** Runs {@code run} in a JVM with the archive and returns its exit code; empty when not re-launched. */
    static Optional<Integer> relaunch() {
        if (System.getProperty(RELAUNCHED) != null || "false".equals(System.getProperty("ontap.fast-start"))) {
            return Optional.empty();
        }
        try {
            Path jar = jar();
            if (jar == null) {
                return Optional.empty();
            }
            Path archive = archiveOf(jar);
            if (!Files.isReadable(archive) || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) < 0
                    || !vm().equals(Files.readString(archive.resolveSibling(archive.getFileName() + VM_SUFFIX)).strip())) {
                return Optional.empty();
            }
            ProcessHandle.Info self = ProcessHandle.current().info();
            Optional<String> java = self.command();
            Optional<String[]> arguments = self.arguments();
            if (java.isEmpty() || arguments.isEmpty()) {
                return Optional.empty();
            }
            List<String> original = List.of(arguments.get());
            int dashJar = original.indexOf("-jar");
            if (dashJar < 0) {
                return Optional.empty();
            }
            for (String option : original.subList(0, dashJar)) {
                if (option.startsWith("-XX:SharedArchiveFile") || option.startsWith("-Xshare") || option.startsWith("-XX:ArchiveClassesAtExit")
                        || option.startsWith("-XX:TieredStopAtLevel") || option.startsWith("-XX:-TieredCompilation")
                        || option.startsWith("-agentlib:jdwp")) {
                    return Optional.empty(); // the user chose; a debugger attaches to this JVM
                }
            }
            String fromEnvironment = System.getenv("JDK_JAVA_OPTIONS"); // not in the command line read back
            if (fromEnvironment != null && (fromEnvironment.contains("SharedArchiveFile") || fromEnvironment.contains("-Xshare")
                    || fromEnvironment.contains("TieredStopAtLevel") || fromEnvironment.contains("jdwp"))) {
                return Optional.empty();
            }
            List<String> command = new ArrayList<>();
            command.add(java.get());
            command.add("-XX:SharedArchiveFile=" + archive);
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-Xlog:cds=off"); // a refused archive warns on stdout, which is the outcome's
            command.add("-Xlog:cds+dynamic=off");
            command.add("-D" + RELAUNCHED + "=true");
            command.addAll(original);
            Process child;
            try {
                child = new ProcessBuilder(command).inheritIO().start();
            } catch (IOException e) {
                return Optional.empty(); // run it here, the slow way
            }
            // SIGTERM (or Ctrl-C) to this JVM: the child gets SIGTERM, cancels the job, prints its outcome; its code is ours
            Thread forward = new Thread(() -> {
                if (child.isAlive()) {
                    child.destroy();
                    try {
                        child.waitFor(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    Runtime.getRuntime().halt(child.isAlive() ? Main.TIMED_OUT : child.exitValue());
                }
            }, "ontap-run-forward");
            Runtime.getRuntime().addShutdownHook(forward);
            int code = child.waitFor();
            return Optional.of(code);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The jar this class was loaded from, or null (classes directory, tests). */
    private static Path jar() {
        try {
            var source = FastStart.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path path = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(path) && path.toString().endsWith(".jar") ? path : null;
        } catch (java.net.URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /** {@code target/ontap-jobs.jar} → {@code target/ontap-jobs.jsa}. */
    static Path archiveOf(Path jar) {
        String name = jar.getFileName().toString();
        return jar.resolveSibling(name.substring(0, name.length() - ".jar".length()) + ".jsa");
    }

    static String vm() {
        return System.getProperty("java.home") + " " + System.getProperty("java.vm.version");
    }

    /**
     * The build's training run ({@code java -XX:ArchiveClassesAtExit=target/ontap-jobs.jsa -cp target/ontap-jobs.jar
     * io.ontapjobs.cli.FastStart}): a {@code run} against an in-process simulator whose job ends at once, so that the
     * archive holds the classes a real {@code run} loads (Camel, the component, the HTTP client, Jackson, logback);
     * then the {@code .vm} file that says which JVM made it.
     */
    public static void main(String[] args) throws IOException {
        Path archive = Path.of(args.length > 0 ? args[0] : "target/ontap-jobs.jsa");
        Path vmFile = archive.resolveSibling(archive.getFileName() + VM_SUFFIX);
        Files.deleteIfExists(vmFile); // no .vm, no re-launch: a failed training leaves run as it was, and the build goes on
        try {
            train(archive, vmFile);
        } catch (Exception e) {
            System.err.println("ontap-jobs: no class-data-sharing archive for run (" + e + "); run starts the slow way");
        }
        System.exit(0); // the archive is written at exit
    }

    private static void train(Path archive, Path vmFile) throws IOException {
        var simulator = io.ontapjobs.simulator.OntapSimulator.builder().port(0)
                .scenario(io.ontapjobs.simulator.Scenario.on("*", "/api/storage/volumes*").duration(java.time.Duration.ZERO).build())
                .build().start();
        int code;
        try (simulator) {
            PrintWriter none = new PrintWriter(Writer.nullWriter());
            for (String returnTimeout : new String[] {null, "10"}) { // the poll path and the finished-at-trigger path
                List<String> argv = new ArrayList<>(List.of("run", "--url", simulator.baseUrl(), "--password-env", "P",
                        "--path", "/api/storage/volumes", "--body", "{\"name\":\"v\"}"));
                if (returnTimeout != null) {
                    argv.addAll(List.of("--return-timeout", returnTimeout));
                }
                code = Main.execute(k -> "P".equals(k) ? "netapp1!" : System.getenv(k), none, none, argv.toArray(String[]::new));
                if (code != Main.OK) {
                    throw new IllegalStateException("the training run ended with " + code);
                }
            }
        }
        Files.writeString(vmFile, vm() + System.lineSeparator());
        System.out.println("ontap-jobs: class-data-sharing archive for run: " + archive + " (" + vm() + ")");
    }
}
