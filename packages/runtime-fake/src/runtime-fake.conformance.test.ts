import { defineConformanceSuite } from '@mk8s/cri/conformance';
import { FakeRuntime } from './fake-runtime.js';

// The same suite runtime-docker and containerd pass, over a real unix socket.
defineConformanceSuite('runtime-fake', async () => {
  const runtime = new FakeRuntime({ images: ['busybox:latest'], podCidr: '10.244.250.0/24' });
  return {
    runtime,
    image: 'busybox:latest',
    async cleanup() {
      runtime.close();
    },
  };
});
