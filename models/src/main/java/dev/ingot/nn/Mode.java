package dev.ingot.nn;

/**
 * How a forward pass runs. Training mode records what the backward pass needs and applies
 * dropout with a mask chosen by {@link #seed}; inference mode records nothing and lets everything
 * through.
 *
 * @param training whether this pass will be followed by a backward pass
 * @param seed     the step's random seed (dropout masks); {@link Sequential} derives a different
 *                 one for each layer with {@link #forLayer}
 */
public record Mode(boolean training, long seed) {

    /** Evaluation and prediction: no dropout, no backward pass. */
    public static final Mode INFERENCE = new Mode(false, 0);

    /** A training pass whose random choices (dropout masks) follow from {@code seed}. */
    public static Mode training(long seed) {
        return new Mode(true, seed);
    }

    /** The mode for the layer at {@code index}: same flag, a seed of its own. */
    public Mode forLayer(int index) {
        return training ? new Mode(true, Seeds.mix(seed, index)) : this;
    }
}
