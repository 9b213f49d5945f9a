package dev.dmsmlflow.notebook.domain;

import java.util.List;

/**
 * A runtime image of the catalogue: the Python version it brings and the libraries preinstalled in it.
 *
 * @param name      as users name it, e.g. {@code Python3.9:1.0.9}
 * @param python    Python version, {@code major.minor}
 * @param libraries requirement specs installed into every session of the image
 */
public record Image(String name, String python, List<String> libraries, String description) {

    public Image {
        libraries = List.copyOf(libraries);
    }
}
