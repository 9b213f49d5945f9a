package dev.dmsmlflow.tracking.runs;

import java.util.concurrent.ThreadLocalRandom;

/** Random readable run names ({@code adjective-noun-NNN}) for runs created without a name. */
final class RunNames {
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

    private RunNames() {
    }

    static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return ADJECTIVES[r.nextInt(ADJECTIVES.length)] + "-" + NOUNS[r.nextInt(NOUNS.length)] + "-" + r.nextInt(1000);
    }
}
