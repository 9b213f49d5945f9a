package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TempDirsTest {

    /** Run in a child JVM: makes both kinds of directories, fills them, prints them and exits. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path plain = TempDirs.forThisJvm("dms-child-");
            Files.createDirectories(plain.resolve("a/b"));
            Files.writeString(plain.resolve("a/b/file"), "x");
            Path busy = Files.createTempDirectory("dms-busy-");
            // the "process" writes into its directory until it is stopped, as a database does on shutdown
            Runtime.getRuntime().addShutdownHook(TempDirs.afterStopping(() -> {
                try {
                    Files.writeString(busy.resolve("shutdown-checkpoint"), "written while stopping");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, busy, "busy-stop"));
            System.out.println(plain);
            System.out.println(busy);
        }
    }

    @Test
    void directoriesOfAJvmAreGoneWhenItExits(@TempDir Path tmp) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + tmp, Child.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child exits");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), out);
        List<Path> printed = out.lines().filter(l -> l.startsWith(tmp.toString())).map(Path::of).toList();
        assertEquals(2, printed.size(), out);
        for (Path p : printed) {
            assertFalse(Files.exists(p), p + " is left behind");
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void deleteTreeRemovesNestedContentAndToleratesAMissingRoot(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("x/y/z"));
        Files.writeString(root.resolve("x/y/z/f"), "1");
        Files.writeString(root.resolve("g"), "2");
        TempDirs.deleteTree(root);
        assertFalse(Files.exists(root));
        TempDirs.deleteTree(root); // no error the second time
    }
}
