import DeepI2I; import Torch; print("deepi2i", DeepI2IVersion.string, "libtorch", Torch.version)
