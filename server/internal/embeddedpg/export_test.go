package embeddedpg

// SharedBuffers is the shared_buffers a serving cluster gets on this machine.
func SharedBuffers() string { return sharedBuffers(memTotal()) }
