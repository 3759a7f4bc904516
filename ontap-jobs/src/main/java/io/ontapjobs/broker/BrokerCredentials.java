package io.ontapjobs.broker;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker login: a user and its password. {@link #toString()} never shows the password, so a login that ends up
 * in a log line or an exception message leaks nothing.
 */
public final class BrokerCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerCredentials.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The client's user when {@code ontap.broker.user} is not set. */
    public static final String DEFAULT_USER = "ontap-client";
    /** Where a generated client login is kept, in the state directory. */
    public static final String FILE_NAME = "broker-credentials.properties";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final String user;
    private final String password;

    public BrokerCredentials(String user, String password) {
        this.user = user;
        this.password = password;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    @Override
    public String toString() {
        return "user '" + user + "' (password hidden)";
    }

    /** A mistake in the broker's login settings; the message names the key and never holds a password. */
    public static class CredentialsException extends RuntimeException {
        CredentialsException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** 32 bytes of SecureRandom, URL-safe base64 (43 characters): safe in URLs, properties files and STOMP headers. */
    public static String randomSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The embedded broker's client login: {@code ontap.broker.user} / {@code ontap.broker.password} when the password
     * is set, else the login kept in {@code <stateDir>/}{@value #FILE_NAME}, generated on the first start.
     *
     * @param user     ontap.broker.user, or null/blank
     * @param password ontap.broker.password, or null/blank
     */
    public static BrokerCredentials resolve(String user, String password, Path stateDir) {
        String u = user == null ? "" : user.strip();
        if (password != null && !password.isBlank()) {
            BrokerCredentials configured = new BrokerCredentials(u.isEmpty() ? DEFAULT_USER : u, password);
            LOG.info("Embedded broker: clients log in as '{}' with ontap.broker.password", configured.user());
            return configured;
        }
        Path file = stateDir.resolve(FILE_NAME);
        if (!u.isEmpty()) {
            // a chosen user with a generated password would silently differ from what the operator meant
            throw new CredentialsException("ontap.broker.password: not set, but ontap.broker.user is ('" + u
                    + "'); set ONTAP_BROKER_PASSWORD, or unset ontap.broker.user to use the login generated in " + file, null);
        }
        boolean generated = false;
        if (!Files.exists(file)) {
            generated = generate(file);
        }
        BrokerCredentials login = read(file);
        LOG.info("Embedded broker: clients log in as '{}' with the password in {}{}", login.user(), file.toAbsolutePath(),
                generated ? " (generated now)" : "");
        return login;
    }

    /** Reads a login file written by {@link #resolve}: {@code user=} and {@code password=} lines. */
    public static BrokerCredentials read(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new CredentialsException("ontap.broker.password: cannot read " + file + " (" + e.getClass().getSimpleName()
                    + "); fix its permissions, or set ONTAP_BROKER_PASSWORD", e);
        }
        String u = p.getProperty("user", "").strip();
        String pw = p.getProperty("password", "").strip();
        if (u.isEmpty() || pw.isEmpty()) {
            throw new CredentialsException("ontap.broker.password: " + file + " holds no user or no password;"
                    + " delete it to have a new login generated, or set ONTAP_BROKER_PASSWORD", null);
        }
        warnIfOthersCanRead(file);
        return new BrokerCredentials(u, pw);
    }

    private static boolean generate(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        String text = "# The embedded broker's client login (ontap.broker.user / ontap.broker.password), generated at its\n"
                + "# first start and kept for the next. Delete this file for a new password; set ONTAP_BROKER_PASSWORD to choose one.\n"
                + "user=" + DEFAULT_USER + "\npassword=" + randomSecret() + "\n";
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            // owner-only from its creation: there is no moment at which another user could open it
            FileAttribute<?>[] attrs = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
            tmp = Files.createTempFile(dir, ".broker-credentials", ".tmp", attrs);
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                out.write(text);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE); // all or nothing: a crash leaves no half-written login
            tmp = null;
            if (!posix) {
                LOG.warn("{}: this file system has no POSIX permissions; make sure only the service's user can read it", file);
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            throw new CredentialsException("ontap.state.dir: cannot write the broker's login to " + file + " (" + e.getMessage()
                    + "); set ONTAP_BROKER_PASSWORD, or make " + dir + " writable", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a stray temporary file: harmless
                }
            }
        }
    }

    private static void warnIfOthersCanRead(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                LOG.warn("{} can be read by others ({}): chmod 600 it", file, PosixFilePermissions.toString(perms));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // no POSIX permissions here: nothing to check
        }
    }
}
