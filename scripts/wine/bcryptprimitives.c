/* A stand-in for Windows 10's bcryptprimitives.dll, which Go's runtime needs (ProcessPrng)
   and Debian 12's Wine 8.0 lacks: only for running the Windows build under Wine. */
#include <windows.h>
#include <ntsecapi.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
