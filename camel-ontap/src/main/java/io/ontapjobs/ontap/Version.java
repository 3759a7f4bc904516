package io.ontapjobs.ontap;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The product's name and version (from the build), as it names itself to ONTAP, webhook receivers and users. */
public final class Version {
    public static final String PRODUCT = "ontap-jobs";
    public static final String VERSION = read();

    private Version() {
    }

    /** {@code ontap-jobs/<version>}: the User-Agent of every outgoing call, and ONTAP's X-Dot-Client-App. */
    public static String userAgent() {
        return PRODUCT + "/" + VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").strip();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // falls through: a build without the resource still names the product
        }
        return "unknown";
    }
}
