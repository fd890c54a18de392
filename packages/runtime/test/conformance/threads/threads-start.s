# wasi_thread_start for threads.c: the entry point wasi.thread-spawn starts a thread in. Before any
# C code runs, it points __stack_pointer and __tls_base at the thread's own stack and TLS block,
# read from the start argument (struct thread in threads.c), as wasi-libc's wasi_thread_start.s
# does for pthreads; then it calls thread_main(tid, start_arg).
	.text
	.export_name	wasi_thread_start, wasi_thread_start
	.globaltype	__stack_pointer, i32
	.globaltype	__tls_base, i32
	.functype	thread_main (i32, i32) -> ()
	.hidden	wasi_thread_start
	.globl	wasi_thread_start
	.type	wasi_thread_start,@function
wasi_thread_start:
	.functype	wasi_thread_start (i32, i32) -> ()
	local.get	1
	i32.load	0
	global.set	__stack_pointer
	local.get	1
	i32.load	4
	global.set	__tls_base
	local.get	0
	local.get	1
	call	thread_main
	end_function
