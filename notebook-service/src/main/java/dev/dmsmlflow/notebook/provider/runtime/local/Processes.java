package dev.dmsmlflow.notebook.provider.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs short helper commands (uv, an interpreter's version probe) with an explicit environment and a time limit. */
final class Processes {

    /** Names of variables never handed to a child process: they may carry the service's own secrets. */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|_KEY|KEY_).*|DMS_.*");

    /** A finished command: exit code and its output (stdout and stderr together). */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        /** The last lines of the output, for a failure's reason. */
        String tail(int maxChars) {
            String t = output.strip();
            return t.length() <= maxChars ? t : "…" + t.substring(t.length() - maxChars);
        }
    }

    private Processes() {
    }

    /** The service's environment without anything that looks like a secret (for tools such as uv that need the network). */
    static Map<String, String> toolEnvironment() {
        Map<String, String> env = new java.util.HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!SECRET_NAME.matcher(k).matches()) {
                env.put(k, v);
            }
        });
        return env;
    }

    static Result run(List<String> command, Map<String, String> environment, Path dir, Duration timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(environment);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (out) {
                        if (out.length() < 200_000) {
                            out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(2000);
                synchronized (out) {
                    return new Result(-1, out + "\n(stopped after " + timeout.toSeconds() + " s)");
                }
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        synchronized (out) {
            return new Result(p.exitValue(), out.toString());
        }
    }
}
