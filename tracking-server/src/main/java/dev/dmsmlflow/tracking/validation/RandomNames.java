package dev.dmsmlflow.tracking.validation;

import java.util.concurrent.ThreadLocalRandom;

/** Random readable names ({@code adjective-noun-NNN}) for runs and logged models created without one. */
public final class RandomNames {
    private static final String[] ADJECTIVES = {
        "amber", "brave", "bright", "calm", "clever", "crisp", "daring", "eager", "fancy", "gentle",
        "glad", "golden", "happy", "humble", "jolly", "keen", "kind", "lively", "lucky", "merry",
        "mighty", "nimble", "noble", "polite", "proud", "quick", "quiet", "rapid", "shiny", "silent",
        "smooth", "steady", "swift", "tidy", "vivid", "warm", "wise", "witty", "zesty", "bold"};
    private static final String[] NOUNS = {
        "otter", "falcon", "panda", "heron", "lynx", "badger", "whale", "sparrow", "tiger", "koala",
        "beaver", "comet", "river", "maple", "cedar", "pebble", "harbor", "meadow", "canyon", "glacier",
        "lantern", "compass", "anchor", "orchid", "willow", "dolphin", "gecko", "puffin", "yak", "zebra",
        "finch", "moose", "newt", "owl", "quail", "raven", "seal", "trout", "vole", "wren"};

    private RandomNames() {
    }

    public static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return ADJECTIVES[r.nextInt(ADJECTIVES.length)] + "-" + NOUNS[r.nextInt(NOUNS.length)] + "-" + r.nextInt(1000);
    }
}
