package io.ringwork.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version and git commit this node was built from, written into {@code build.properties} at
 * build time (ringwork-runtime's pom). A build outside a git checkout says commit "unknown"; one
 * with uncommitted changes, the commit followed by "-dirty".
 */
public record BuildInfo(String version, String commit) {
    public static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = read();

    public static BuildInfo current() {
        return CURRENT;
    }

    private static BuildInfo read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) properties.load(in);
        } catch (IOException e) {
            // A damaged jar: say so through "unknown" rather than fail the command line.
        }
        return new BuildInfo(value(properties, "version"), value(properties, "commit"));
    }

    private static String value(Properties properties, String name) {
        String value = properties.getProperty(name, "").trim();
        // An unfilled placeholder means the build did not run the step that writes the file.
        return value.isEmpty() || value.contains("${") ? UNKNOWN : value;
    }

    /** "ringwork VERSION (commit COMMIT)". */
    @Override
    public String toString() {
        return "ringwork " + version + " (commit " + commit + ")";
    }
}
